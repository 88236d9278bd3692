"""The lead workspace and the qualification queue page, as values the templates render.

The workspace is where a qualifier works one lead (DESIGN.md, "Who uses it": the qualifier
"works the qualification queue with the program's call script, records calls and outcomes").
One module per part of the page: the call script (``script``), the live qualification panel
(``panels``), the history timeline (``history``), how stored values read on a page
(``text``), and the two reads that gather the rows (``selectors``: ``lead_workspace`` and
``queue_overview``). Everything but the selectors is a pure function of its inputs, so it is
tested without a database; the rules behind it (reading typed answers, qualifying) are the
core's.
"""
