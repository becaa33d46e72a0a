using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Orders.Api.Data.Migrations
{
    /// <summary>
    /// realtime_broadcasts: ad-hoc Socket.IO broadcasts too large for a NOTIFY, kept a few minutes for the other nodes
    /// (Orders.Realtime, PostgresAdapter).
    /// </summary>
    public partial class PeerBroadcasts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE realtime_broadcasts (
                    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    payload    text NOT NULL,
                    created_at timestamp with time zone NOT NULL
                );
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE realtime_broadcasts;");
        }
    }
}
