"""AfterShip shipment tracking: the webhook receiver, the REST API poller, the simulator."""
