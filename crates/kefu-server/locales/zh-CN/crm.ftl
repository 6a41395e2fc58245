problem-import_invalid = 导入数据无效
problem-import_invalid-detail = 部分行无效，未导入任何数据。详见 "errors"。
