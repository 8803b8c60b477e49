"""ShopSight: an open-source analytics platform for online stores."""

__version__ = "0.1.0"
