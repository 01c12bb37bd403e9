"""Kivy screens of the kiosk: one module and one .kv file per screen."""
