"""ESF status report pipeline: register in, validated report workbook out."""

__version__ = "0.2.0"
