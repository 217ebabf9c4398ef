"""Localisation: subtitle rules and files, the glossary, translation, translated tracks and dubs."""
