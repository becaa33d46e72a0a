using System.Buffers;

namespace Orders.Protocol.SocketIO;

/// <summary>
/// Room membership of one namespace, indexed both ways: room → sockets here, socket → rooms on the socket.
/// Broadcasts copy the member list under the lock and send outside it, so a slow send never blocks a join.
/// </summary>
internal sealed class RoomIndex
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HashSet<Socket>> _rooms = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (_gate) return _rooms.Count;
        }
    }

    public string[] Names
    {
        get
        {
            lock (_gate) return [.. _rooms.Keys];
        }
    }

    public void Add(Socket socket, string room)
    {
        lock (_gate)
        {
            if (!socket.Connected) return;
            if (!_rooms.TryGetValue(room, out var members)) _rooms[room] = members = [];
            members.Add(socket);
            socket.RoomSet.Add(room);
        }
    }

    public void Remove(Socket socket, string room)
    {
        lock (_gate)
        {
            RemoveLocked(socket, room);
            socket.RoomSet.Remove(room);
        }
    }

    public void RemoveAll(Socket socket)
    {
        lock (_gate)
        {
            foreach (var room in socket.RoomSet) RemoveLocked(socket, room);
            socket.RoomSet.Clear();
        }
    }

    /// <summary>
    /// Copies the recipients into a pooled array (returned by the caller): members of any of <paramref name="rooms"/>
    /// (every socket when empty), minus members of any of <paramref name="except"/>.
    /// </summary>
    public int Snapshot(IReadOnlyList<string> rooms, IReadOnlyList<string> except, ICollection<Socket> all, out Socket[] recipients)
    {
        lock (_gate)
        {
            if (rooms.Count == 1 && except.Count == 0)
            {
                if (!_rooms.TryGetValue(rooms[0], out var members))
                {
                    recipients = [];
                    return 0;
                }

                recipients = ArrayPool<Socket>.Shared.Rent(members.Count);
                members.CopyTo(recipients);
                return members.Count;
            }

            var set = new HashSet<Socket>();
            if (rooms.Count == 0)
            {
                set.UnionWith(all);
            }
            else
            {
                foreach (var room in rooms)
                {
                    if (_rooms.TryGetValue(room, out var members)) set.UnionWith(members);
                }
            }

            foreach (var room in except)
            {
                if (_rooms.TryGetValue(room, out var members)) set.ExceptWith(members);
            }

            recipients = ArrayPool<Socket>.Shared.Rent(Math.Max(set.Count, 1));
            set.CopyTo(recipients);
            return set.Count;
        }
    }

    private void RemoveLocked(Socket socket, string room)
    {
        if (!_rooms.TryGetValue(room, out var members)) return;
        members.Remove(socket);
        if (members.Count == 0) _rooms.Remove(room);
    }
}
