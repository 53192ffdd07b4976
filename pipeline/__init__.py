"""ESF status report pipeline: register in, validated report workbook out."""

__version__ = "0.1.0"
