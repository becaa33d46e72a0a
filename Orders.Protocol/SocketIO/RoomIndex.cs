using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace Orders.Protocol.SocketIO;

/// <summary>
/// Room membership of one namespace, indexed both ways: room → sockets here, socket → rooms on the socket.
/// Broadcasts copy the member list under the lock and send outside it, so a slow send never blocks a join.
/// A room of one socket (its own id room, and most <c>user:</c> rooms) maps straight to that socket; a set is
/// built only when a second member joins.
/// </summary>
internal sealed class RoomIndex
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, object> _rooms = new(StringComparer.Ordinal);

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

    /// <summary>
    /// Joins <paramref name="room"/>. A socket still in its connection middleware only remembers the room;
    /// <see cref="AddConnected"/> indexes it before the client hears it is connected.
    /// </summary>
    public void Add(Socket socket, string room)
    {
        lock (_gate)
        {
            if (socket.IsClosed) return;
            socket.AddRoom(room);
            if (socket.Connected) AddLocked(socket, room);
        }
    }

    /// <summary>Indexes a socket that has just connected: its own id room and every room it joined beforehand.</summary>
    public void AddConnected(Socket socket)
    {
        lock (_gate)
        {
            socket.AddRoom(socket.Id);
            foreach (var room in socket.RoomList) AddLocked(socket, room);
        }
    }

    public void Remove(Socket socket, string room)
    {
        lock (_gate)
        {
            RemoveLocked(socket, room);
            socket.RemoveRoom(room);
        }
    }

    public void RemoveAll(Socket socket)
    {
        lock (_gate)
        {
            foreach (var room in socket.TakeRooms()) RemoveLocked(socket, room);
        }
    }

    /// <summary>
    /// Copies the recipients into a pooled array (returned by the caller): members of any of <paramref name="rooms"/>
    /// (every socket of <paramref name="all"/> when empty), minus members of any of <paramref name="except"/>.
    /// Only a union of several rooms builds a set; every other case copies straight into the array.
    /// </summary>
    public int Snapshot(ImmutableArray<string> rooms, ImmutableArray<string> except, ConcurrentDictionary<Socket, byte> all, out Socket[] recipients)
    {
        HashSet<Socket>? excluded = null;
        var count = 0;
        recipients = [];
        lock (_gate)
        {
            foreach (var room in except)
            {
                if (_rooms.TryGetValue(room, out var members)) AddTo(excluded ??= [], members);
            }

            if (rooms.Length == 1)
            {
                if (!_rooms.TryGetValue(rooms[0], out var members)) return 0;
                if (members is Socket single)
                {
                    if (excluded is not null && excluded.Contains(single)) return 0;
                    recipients = ArrayPool<Socket>.Shared.Rent(1);
                    recipients[0] = single;
                    return 1;
                }

                var set = (HashSet<Socket>)members;
                recipients = ArrayPool<Socket>.Shared.Rent(set.Count);
                foreach (var socket in set)
                {
                    if (excluded is null || !excluded.Contains(socket)) recipients[count++] = socket;
                }

                return count;
            }

            if (rooms.Length > 1)
            {
                var union = new HashSet<Socket>();
                foreach (var room in rooms)
                {
                    if (_rooms.TryGetValue(room, out var members)) AddTo(union, members);
                }

                if (excluded is not null) union.ExceptWith(excluded);
                recipients = ArrayPool<Socket>.Shared.Rent(Math.Max(union.Count, 1));
                union.CopyTo(recipients);
                return union.Count;
            }
        }

        // Everyone: enumerating the concurrent map takes no lock and copies nothing but the references we keep.
        recipients = ArrayPool<Socket>.Shared.Rent(Math.Max(all.Count, 16));
        foreach (var (socket, _) in all)
        {
            if (excluded is not null && excluded.Contains(socket)) continue;
            if (count == recipients.Length)
            {
                var bigger = ArrayPool<Socket>.Shared.Rent(count * 2);
                recipients.AsSpan(0, count).CopyTo(bigger);
                ArrayPool<Socket>.Shared.Return(recipients, clearArray: true);
                recipients = bigger;
            }

            recipients[count++] = socket;
        }

        return count;
    }

    /// <summary>
    /// The member of <paramref name="room"/> when it has at most one (null when none): what an emit to a user's room
    /// needs, without the pooled array of a <see cref="Snapshot"/>. False when it has several.
    /// </summary>
    public bool TryGetSingle(string room, out Socket? member)
    {
        lock (_gate)
        {
            if (!_rooms.TryGetValue(room, out var members))
            {
                member = null;
                return true;
            }

            member = members as Socket;
            return member is not null;
        }
    }

    private static void AddTo(HashSet<Socket> set, object members)
    {
        if (members is Socket single) set.Add(single);
        else set.UnionWith((HashSet<Socket>)members);
    }

    private void AddLocked(Socket socket, string room)
    {
        if (!_rooms.TryGetValue(room, out var members))
        {
            _rooms[room] = socket;
        }
        else if (members is HashSet<Socket> set)
        {
            set.Add(socket);
        }
        else if (members != socket)
        {
            _rooms[room] = new HashSet<Socket> { (Socket)members, socket };
        }
    }

    private void RemoveLocked(Socket socket, string room)
    {
        if (!_rooms.TryGetValue(room, out var members)) return;
        if (members == socket)
        {
            _rooms.Remove(room);
            return;
        }

        if (members is not HashSet<Socket> set || !set.Remove(socket)) return;
        if (set.Count == 1) _rooms[room] = set.First();
    }
}
