"""Reading survey exports and sheets: CSV (any encoding and delimiter), workbooks (xlsx, xlsm,
xls, ods) and JSON/NDJSON exports, as grids of cells and then as tables of named columns.

`files` finds the files of a source, `encoding` and `delimited` read text files, `workbook` reads
spreadsheets, `json_records` reads JSON exports, `cells` parses the values a cell can hold,
`grid`/`table` are what every reader produces.
"""
