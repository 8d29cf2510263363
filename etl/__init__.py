"""ETL: everything that writes the observatory database."""
