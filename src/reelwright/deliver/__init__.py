"""Delivery: the masters, subtitled versions, subtitle files, covers, stems and dubs a distributor receives."""
