"""The API's routers: a few lines each, calling one service method (`cruce.service.services.Services`)."""
