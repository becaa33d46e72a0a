using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Orders.Api.Data.Migrations
{
    /// <summary>
    /// The tables of Orders.Realtime, which reads and writes them with plain SQL (they are not part of the EF model):
    /// order_events (the transactional outbox, positions taken under an advisory lock, see OrderEventOutbox),
    /// socket_sessions (connection state recovery) and realtime_nodes (node heartbeats).
    /// </summary>
    public partial class OrderEventOutbox : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // CACHE 1 (the default) matters: positions must be taken in the order of the lock that guards them.
            migrationBuilder.Sql("""
                CREATE SEQUENCE order_event_position_seq AS bigint START WITH 1 CACHE 1;

                CREATE TABLE order_events (
                    position   bigint PRIMARY KEY,
                    owner_id   character varying(200) NOT NULL,
                    order_id   uuid NOT NULL,
                    name       character varying(64) NOT NULL,
                    payload    json NOT NULL,
                    created_at timestamp with time zone NOT NULL
                );
                CREATE INDEX ix_order_events_owner_id_position ON order_events (owner_id, position);

                CREATE TABLE realtime_nodes (
                    node_id    uuid PRIMARY KEY,
                    started_at timestamp with time zone NOT NULL,
                    seen_at    timestamp with time zone NOT NULL
                );

                CREATE TABLE socket_sessions (
                    pid             character varying(64) PRIMARY KEY,
                    namespace       text NOT NULL,
                    socket_id       text NOT NULL,
                    owner           text,
                    rooms           text[] NOT NULL,
                    start_offset    bigint,
                    node_id         uuid NOT NULL,
                    disconnected_at timestamp with time zone
                );
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TABLE socket_sessions;
                DROP TABLE realtime_nodes;
                DROP TABLE order_events;
                DROP SEQUENCE order_event_position_seq;
                """);
        }
    }
}
