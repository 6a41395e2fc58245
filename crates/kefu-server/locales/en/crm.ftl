problem-import_invalid = Invalid import
problem-import_invalid-detail = Some rows are invalid; nothing was imported. See "errors".
