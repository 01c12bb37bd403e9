"""Data shipped with the kiosk: category catalogue, fonts, pictograms, translations."""
