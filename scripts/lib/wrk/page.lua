-- A browser's request for a page, without a session (anonymous).
wrk.headers["Accept"] = "text/html"
