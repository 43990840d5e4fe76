"""The API's routers: a few lines each, calling one `cruce.service.operations.Operations` method."""
