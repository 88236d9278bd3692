"""The criteria pages' forms, one module per concept: the sections of the structured editor
(``sections``) and the field kinds they share (``fields``), the two editors of a draft —
structured and YAML — (``editor``), and the confirmation of publishing (``publish``)."""
