"""The API's views, one module per resource; each view validates, calls a service, represents."""
