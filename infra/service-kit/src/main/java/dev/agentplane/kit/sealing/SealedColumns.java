package dev.agentplane.kit.sealing;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a sealed value is stored: three columns, {@code <prefix>key_id}, {@code <prefix>nonce} and
 * {@code <prefix>ciphertext}. Every table that keeps {@link AesGcmSealer} values reads them, and
 * counts them per key for a rotation, the same way.
 */
public final class SealedColumns {

  private SealedColumns() {}

  /** The sealed value in the current row's columns named with {@code prefix} ("" for none). */
  public static AesGcmSealer.Sealed read(ResultSet rows, String prefix) throws SQLException {
    return new AesGcmSealer.Sealed(
        rows.getString(prefix + "key_id"),
        rows.getBytes(prefix + "nonce"),
        rows.getBytes(prefix + "ciphertext"));
  }

  /** As {@link #read}, or null when the row holds no value there (its key id is null). */
  public static AesGcmSealer.Sealed readIfPresent(ResultSet rows, String prefix)
      throws SQLException {
    return rows.getString(prefix + "key_id") == null ? null : read(rows, prefix);
  }

  /** Rows of {@code key_id} and {@code n}, as {@link Resealable#countByKey} answers them. */
  public static Map<String, Long> countsByKeyId(ResultSet rows) throws SQLException {
    Map<String, Long> counts = new LinkedHashMap<>();
    while (rows.next()) {
      counts.put(rows.getString("key_id"), rows.getLong("n"));
    }
    return counts;
  }
}
