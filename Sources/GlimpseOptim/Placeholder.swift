// placeholder: replaced by the real files
