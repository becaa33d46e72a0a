namespace Orders.Protocol;
