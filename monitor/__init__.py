"""yuqing: public-opinion (舆情) monitoring and response service."""

__version__ = "0.1.0"
