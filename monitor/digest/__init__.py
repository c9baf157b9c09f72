"""Reports generated, not typed: the daily digest (舆情日报)."""
