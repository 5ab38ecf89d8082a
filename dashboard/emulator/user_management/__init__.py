"""The embedded User Management API: end users, who sign in at the authorization server.

`store` is what other parts of the embedded WorkOS call (`user_find`, `user_get`,
`user_authenticate`, `user_record_sign_in`); `views` serve the operations over HTTP.
"""
