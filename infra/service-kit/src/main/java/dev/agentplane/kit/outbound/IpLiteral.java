package dev.agentplane.kit.outbound;

import java.util.Optional;

/**
 * A host written as an IP address, parsed by hand: {@code InetAddress.getByName} would resolve a
 * name it does not recognise as a literal, and validation must never touch DNS.
 */
sealed interface IpLiteral {

  /** An IPv4 address as an unsigned 32-bit value in a long. */
  record V4(long address) implements IpLiteral {
    int octet(int index) {
      return (int) (address >>> (8 * (3 - index))) & 0xff;
    }

    boolean in(long network, int prefixLength) {
      long mask = prefixLength == 0 ? 0 : (0xffffffffL << (32 - prefixLength)) & 0xffffffffL;
      return (address & mask) == (network & mask);
    }

    @Override
    public String toString() {
      return octet(0) + "." + octet(1) + "." + octet(2) + "." + octet(3);
    }
  }

  /** An IPv6 address as eight 16-bit groups. */
  record V6(int[] groups) implements IpLiteral {
    public V6 {
      groups = groups.clone();
    }

    int group(int index) {
      return groups[index];
    }

    /** The IPv4 address in the low 32 bits. */
    V4 low32() {
      return new V4(((long) groups[6] << 16) | groups[7]);
    }

    boolean allZero(int fromGroup, int toGroupExclusive) {
      for (int i = fromGroup; i < toGroupExclusive; i++) {
        if (groups[i] != 0) {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * The host as an IP literal: IPv6 with or without brackets (a zone id is ignored), or IPv4 in any
   * form {@code inet_aton} accepts ({@code 127.1}, {@code 0x7f.0.0.1}, {@code 2130706433}, {@code
   * 0177.0.0.1}), since some HTTP clients resolve those without asking DNS.
   */
  static Optional<IpLiteral> parse(String host) {
    String bare = host;
    if (bare.startsWith("[") && bare.endsWith("]")) {
      bare = bare.substring(1, bare.length() - 1);
    }
    if (bare.indexOf(':') >= 0) {
      return parseV6(bare).map(v6 -> v6);
    }
    return parseV4(bare).map(v4 -> v4);
  }

  /**
   * Whether the host's last label is numeric; DNS names never end so, so such a host is meant as an
   * IPv4 address even when it does not parse as one.
   */
  static boolean looksNumeric(String host) {
    String trimmed = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    String last = trimmed.substring(trimmed.lastIndexOf('.') + 1);
    if (last.isEmpty()) {
      return false;
    }
    if (last.startsWith("0x") || last.startsWith("0X")) {
      return last.substring(2).chars().allMatch(c -> asciiDigit((char) c, 16) >= 0);
    }
    return last.chars().allMatch(c -> c >= '0' && c <= '9');
  }

  private static Optional<V4> parseV4(String text) {
    String trimmed = text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
    String[] parts = trimmed.split("\\.", -1);
    if (parts.length < 1 || parts.length > 4) {
      return Optional.empty();
    }
    long[] values = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      Optional<Long> value = inetAtonPart(parts[i]);
      if (value.isEmpty()) {
        return Optional.empty();
      }
      values[i] = value.get();
    }
    // inet_aton: every part but the last is one byte; the last fills the remaining bytes.
    long address = 0;
    for (int i = 0; i < values.length - 1; i++) {
      if (values[i] > 0xff) {
        return Optional.empty();
      }
      address = (address << 8) | values[i];
    }
    int lastBytes = 4 - (values.length - 1);
    long last = values[values.length - 1];
    if (last >= (1L << (8 * lastBytes))) {
      return Optional.empty();
    }
    address = (address << (8 * lastBytes)) | last;
    return Optional.of(new V4(address));
  }

  private static Optional<Long> inetAtonPart(String part) {
    if (part.isEmpty() || part.length() > 12) {
      return Optional.empty();
    }
    int radix = 10;
    String digits = part;
    if (part.startsWith("0x") || part.startsWith("0X")) {
      radix = 16;
      digits = part.substring(2);
      if (digits.isEmpty()) {
        return Optional.of(0L);
      }
    } else if (part.length() > 1 && part.startsWith("0")) {
      radix = 8;
      digits = part.substring(1);
    }
    long value = 0;
    for (int i = 0; i < digits.length(); i++) {
      int digit = asciiDigit(digits.charAt(i), radix);
      if (digit < 0) {
        return Optional.empty();
      }
      value = value * radix + digit;
    }
    return Optional.of(value);
  }

  private static Optional<V6> parseV6(String text) {
    int zone = text.indexOf('%');
    String address = zone >= 0 ? text.substring(0, zone) : text;
    int gap = address.indexOf("::");
    if (gap >= 0 && address.indexOf("::", gap + 1) >= 0) {
      return Optional.empty();
    }
    Optional<int[]> front =
        gap < 0 ? v6Groups(address, true) : v6Groups(address.substring(0, gap), false);
    Optional<int[]> back =
        gap < 0 ? Optional.of(new int[0]) : v6Groups(address.substring(gap + 2), true);
    if (front.isEmpty() || back.isEmpty()) {
      return Optional.empty();
    }
    int total = front.get().length + back.get().length;
    // Without "::" all eight groups are written; with it, "::" stands for at least one.
    if (gap < 0 ? total != 8 : total > 7) {
      return Optional.empty();
    }
    int[] groups = new int[8];
    System.arraycopy(front.get(), 0, groups, 0, front.get().length);
    System.arraycopy(back.get(), 0, groups, 8 - back.get().length, back.get().length);
    return Optional.of(new V6(groups));
  }

  /** Colon-separated hex groups; the last may be a dotted IPv4 address (two groups). */
  private static Optional<int[]> v6Groups(String text, boolean mayEndWithV4) {
    if (text.isEmpty()) {
      return Optional.of(new int[0]);
    }
    String[] parts = text.split(":", -1);
    int[] groups = new int[parts.length + 1];
    int count = 0;
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      if (i == parts.length - 1 && mayEndWithV4 && part.indexOf('.') >= 0) {
        Optional<V4> v4 = strictDottedQuad(part);
        if (v4.isEmpty()) {
          return Optional.empty();
        }
        groups[count++] = (int) (v4.get().address() >>> 16);
        groups[count++] = (int) (v4.get().address() & 0xffff);
        continue;
      }
      if (part.isEmpty() || part.length() > 4) {
        return Optional.empty();
      }
      int value = 0;
      for (int c = 0; c < part.length(); c++) {
        int digit = asciiDigit(part.charAt(c), 16);
        if (digit < 0) {
          return Optional.empty();
        }
        value = value * 16 + digit;
      }
      groups[count++] = value;
    }
    int[] exact = new int[count];
    System.arraycopy(groups, 0, exact, 0, count);
    return Optional.of(exact);
  }

  private static Optional<V4> strictDottedQuad(String text) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      return Optional.empty();
    }
    long address = 0;
    for (String part : parts) {
      if (part.isEmpty()
          || part.length() > 3
          || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return Optional.empty();
      }
      int value = Integer.parseInt(part);
      if (value > 255) {
        return Optional.empty();
      }
      address = (address << 8) | value;
    }
    return Optional.of(new V4(address));
  }

  // Character.digit also accepts non-ASCII digits, which no address parser would.
  private static int asciiDigit(char c, int radix) {
    return c < 128 ? Character.digit(c, radix) : -1;
  }
}
