"""One request, many renderers: CSV, XLSX, Parquet, the data package and the PDF portrait."""
