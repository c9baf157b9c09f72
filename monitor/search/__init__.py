"""Chinese full-text search over mentions' titles and texts (issue 14, part 3).

segment.py cuts text into words (jieba); index.py keeps the FTS5 / tsvector index in step
with the mentions; query.py parses what the user typed; filters.py checks the form's and
the API's parameters; find.py runs a search with its filters and the viewer's scope;
rank.py orders hits by relevance; highlight.py makes the escaped snippets with <mark>.
"""
