"""Documents of a posting: a result's attachments and a need's specification sheet (附件 / 需求说明书)."""
