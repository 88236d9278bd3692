"""Reports: the funnel back to marketing, the qualifying process to sales management, the
deliverables to clients and the partners' SLA record, computed from the leads' history
(docs/REPORTS.md)."""
