// Authentication: checking Inkwell's access tokens in any service. The claims (`AccessTokenClaims`:
// ES256 only, issuer, audience, times), the verifier and where its keys come from (auth's JWKS,
// fetched and cached, or a fixed set in auth itself), the revocations each service keeps with its
// projection of users, and the middleware that puts the signed-in user into the request context.
//
// Depends on HTTPKit, Persistence, Settings, Basics, JWTKit and AsyncHTTPClient.
