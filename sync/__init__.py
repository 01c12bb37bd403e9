"""Both ends of the sync: the shared protocol, the kiosk client and the coordinator."""
