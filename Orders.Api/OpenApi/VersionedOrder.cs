namespace Orders.Api.OpenApi;

// Endpoint metadata: the endpoint answers with one order and its version in `ETag`; with AcceptsIfMatch it also takes
// `If-Match` to make its change conditional. Read by VersionedOrderTransformer, so the document says what the code does.
internal sealed record VersionedOrder(bool AcceptsIfMatch);
