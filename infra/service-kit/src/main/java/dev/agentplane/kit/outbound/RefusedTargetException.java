package dev.agentplane.kit.outbound;

/**
 * An outbound call {@link OutboundPolicy} refused before any connection was made. The message is
 * meant for the tenant (a tool failure, a webhook delivery's error): it says why, and never names
 * an address a name resolved to.
 */
public final class RefusedTargetException extends RuntimeException {

  /** Why no connection was made. */
  public enum Reason {
    /** Not an http(s) URL with a host. */
    INVALID_URL,
    /** A port the platform does not call. */
    PORT_NOT_ALLOWED,
    /** The host, or an address it resolves to, is one the platform must not call. */
    HOST_NOT_ALLOWED,
    /** The name does not resolve (now). */
    UNRESOLVED
  }

  private final Reason reason;

  public RefusedTargetException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
