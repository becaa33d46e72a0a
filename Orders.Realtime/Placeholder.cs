namespace Orders.Realtime;
