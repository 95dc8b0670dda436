/** The Hono context variables every route may read. */
export type Env = {
  Variables: {
    /** The id of the account token that authenticated the request (set by the tokens service's check). */
    tokenId: string;
    /** The JSON body once a handler has parsed it, so that the request log does not parse it again. */
    json: { value: unknown };
    /** The body limit of the mount the request is for, when it has its own. */
    bodyLimit: number;
  };
};
