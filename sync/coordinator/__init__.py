"""The coordinator service: receives the counts of every kiosk and reports them."""
