"""Where rows come from: targets (Hub or local), the card, the file layout, readers, mapping."""
