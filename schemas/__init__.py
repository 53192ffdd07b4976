"""The register and the form, declared once per profile: columns, values, tables and labels."""
