"""Notifications: mail queued at commit time, delivered by console scripts."""
