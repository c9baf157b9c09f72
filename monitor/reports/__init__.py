"""Reports generated, not typed: 舆情日报, 舆情专报, 考核通报, 留言公开清单.

Builders (daily, special, assessment, messages) read the database into a Document
(document.py); renderers (render_html, render_markdown, render_docx, pdf) turn it into each
format; store.py keeps it; schedule.py says when the scheduled ones are made."""
