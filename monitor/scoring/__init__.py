"""Scoring a mention: sentiment, topics, focus categories, heat and a risk grade with reasons."""
