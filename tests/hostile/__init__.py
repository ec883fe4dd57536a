"""Hostile requests against a real server: the catalogue, its harness and its test."""
