"""The Scrapy project: one spider per source kind, item pipelines hand items to monitor."""
