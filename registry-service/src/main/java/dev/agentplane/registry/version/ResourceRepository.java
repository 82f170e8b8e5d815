package dev.agentplane.registry.version;

import dev.agentplane.contracts.ResourceKind;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import jakarta.inject.Singleton;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * SQL for resources and their versions. Every query names the tenant: a row of another tenant is as
 * absent as one that never existed. Callers run inside the use case's transaction.
 */
@Singleton
public class ResourceRepository {

  private static final String VERSION_COLUMNS =
      """
      v.resource_id, v.version, v.tenant_id, v.status, v.spec::text AS spec, v.spec_hash,
      v.revision, v.cloned_from, v.created_by, v.created_at, v.updated_by, v.updated_at,
      v.submitted_by, v.submitted_at, v.promoted_by, v.promoted_at, v.archived_by,
      v.archived_at, v.review_approval_id, v.review_reason
      """;

  private final JdbcOperations jdbc;

  public ResourceRepository(JdbcOperations jdbc) {
    this.jdbc = jdbc;
  }

  /** Inserts the resource unless its name is taken; false when it is. */
  public boolean insertResource(Resource resource) {
    return jdbc.prepareStatement(
            """
            INSERT INTO resource (id, tenant_id, kind, name, created_by, created_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (tenant_id, kind, name) DO NOTHING
            """,
            statement -> {
              statement.setObject(1, resource.id());
              statement.setString(2, resource.tenantId());
              statement.setString(3, kindColumn(resource.kind()));
              statement.setString(4, resource.name());
              statement.setString(5, resource.createdBy());
              statement.setTimestamp(6, Timestamp.from(resource.createdAt()));
              return statement.executeUpdate();
            })
        == 1;
  }

  public Optional<Resource> findResource(String tenantId, ResourceKind kind, UUID id) {
    return resourceOfTenant(tenantId, "kind = ? AND id = ?", kindColumn(kind), id);
  }

  public Optional<Resource> findResourceByName(String tenantId, ResourceKind kind, String name) {
    return resourceOfTenant(tenantId, "kind = ? AND name = ?", kindColumn(kind), name);
  }

  /**
   * Locks the resource row for the rest of the transaction: every change to a resource's versions
   * goes through this, so version numbering and "one active version" never race.
   */
  public Optional<Resource> lockResource(String tenantId, ResourceKind kind, UUID id) {
    return resourceOfTenant(tenantId, "kind = ? AND id = ? FOR UPDATE", kindColumn(kind), id);
  }

  /** A resource as lists show it: with its active and newest version numbers. */
  public record ListedResource(Resource resource, Integer activeVersion, int latestVersion) {}

  /**
   * One page of a tenant's resources in name order, starting after {@code afterName}; {@code
   * namePrefix} and {@code status} (some version in that status) narrow it when given.
   */
  public List<ListedResource> listResources(
      String tenantId,
      ResourceKind kind,
      String namePrefix,
      VersionStatus status,
      String afterName,
      int limit) {
    return jdbc.prepareStatement(
        """
        SELECT r.*,
               (SELECT max(v.version) FROM resource_version v
                 WHERE v.resource_id = r.id) AS latest_version,
               (SELECT v.version FROM resource_version v
                 WHERE v.resource_id = r.id AND v.status = 'active') AS active_version
        FROM resource r
        WHERE r.tenant_id = ? AND r.kind = ?
          AND (?::text IS NULL OR starts_with(r.name, ?::text))
          AND (?::text IS NULL OR r.name > ?::text)
          AND (?::text IS NULL OR EXISTS (
                SELECT 1 FROM resource_version v
                WHERE v.resource_id = r.id AND v.status = ?::text))
        ORDER BY r.name
        LIMIT ?
        """,
        statement -> {
          statement.setString(1, tenantId);
          statement.setString(2, kindColumn(kind));
          statement.setString(3, namePrefix);
          statement.setString(4, namePrefix);
          statement.setString(5, afterName);
          statement.setString(6, afterName);
          String statusColumn = status == null ? null : status.wireValue();
          statement.setString(7, statusColumn);
          statement.setString(8, statusColumn);
          statement.setInt(9, limit);
          return all(
              statement.executeQuery(),
              rows ->
                  new ListedResource(
                      resource(rows),
                      (Integer) rows.getObject("active_version"),
                      rows.getInt("latest_version")));
        });
  }

  public void markResourceArchived(UUID id, Instant at) {
    jdbc.prepareStatement(
        "UPDATE resource SET archived_at = ? WHERE id = ? AND archived_at IS NULL",
        statement -> {
          statement.setTimestamp(1, Timestamp.from(at));
          statement.setObject(2, id);
          return statement.executeUpdate();
        });
  }

  public int nextVersionNumber(UUID resourceId) {
    return jdbc.prepareStatement(
        "SELECT coalesce(max(version), 0) + 1 FROM resource_version WHERE resource_id = ?",
        statement -> {
          statement.setObject(1, resourceId);
          try (ResultSet rows = statement.executeQuery()) {
            rows.next();
            return rows.getInt(1);
          }
        });
  }

  public void insertVersion(ResourceVersion version) {
    jdbc.prepareStatement(
        """
        INSERT INTO resource_version (resource_id, version, tenant_id, status, spec, spec_hash,
            revision, cloned_from, created_by, created_at, updated_by, updated_at)
        VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?)
        """,
        statement -> {
          statement.setObject(1, version.resourceId());
          statement.setInt(2, version.version());
          statement.setString(3, version.tenantId());
          statement.setString(4, version.status().wireValue());
          statement.setString(5, SpecJson.canonical(version.spec()));
          statement.setString(6, version.specHash());
          statement.setInt(7, version.revision());
          statement.setObject(8, version.clonedFrom());
          statement.setString(9, version.createdBy());
          statement.setTimestamp(10, Timestamp.from(version.createdAt()));
          statement.setString(11, version.updatedBy());
          statement.setTimestamp(12, Timestamp.from(version.updatedAt()));
          return statement.executeUpdate();
        });
  }

  /**
   * Writes every mutable column of the version and bumps its revision, but only if the revision is
   * still the one the caller read; false when someone else changed it first.
   */
  public boolean updateVersion(ResourceVersion changed, int expectedRevision) {
    return jdbc.prepareStatement(
            """
            UPDATE resource_version SET status = ?, spec = ?::jsonb, spec_hash = ?,
                revision = revision + 1, updated_by = ?, updated_at = ?,
                submitted_by = ?, submitted_at = ?, promoted_by = ?, promoted_at = ?,
                archived_by = ?, archived_at = ?, review_approval_id = ?, review_reason = ?
            WHERE resource_id = ? AND version = ? AND revision = ?
            """,
            statement -> {
              statement.setString(1, changed.status().wireValue());
              statement.setString(2, SpecJson.canonical(changed.spec()));
              statement.setString(3, changed.specHash());
              statement.setString(4, changed.updatedBy());
              statement.setTimestamp(5, timestamp(changed.updatedAt()));
              statement.setString(6, changed.submittedBy());
              statement.setTimestamp(7, timestamp(changed.submittedAt()));
              statement.setString(8, changed.promotedBy());
              statement.setTimestamp(9, timestamp(changed.promotedAt()));
              statement.setString(10, changed.archivedBy());
              statement.setTimestamp(11, timestamp(changed.archivedAt()));
              statement.setObject(12, changed.reviewApprovalId());
              statement.setString(13, changed.reviewReason());
              statement.setObject(14, changed.resourceId());
              statement.setInt(15, changed.version());
              statement.setInt(16, expectedRevision);
              return statement.executeUpdate();
            })
        == 1;
  }

  public Optional<ResourceVersion> findVersion(String tenantId, UUID resourceId, int version) {
    return versionsOfTenant(tenantId, "resource_id = ? AND version = ?", resourceId, version)
        .stream()
        .findFirst();
  }

  public Optional<ResourceVersion> findActiveVersion(String tenantId, UUID resourceId) {
    return versionsOfTenant(tenantId, "resource_id = ? AND status = 'active'", resourceId).stream()
        .findFirst();
  }

  public List<ResourceVersion> listVersions(String tenantId, UUID resourceId) {
    return versionsOfTenant(tenantId, "resource_id = ? ORDER BY version", resourceId);
  }

  /** The tenant's versions that meet {@code condition}, whose {@code ?}s take {@code values}. */
  private List<ResourceVersion> versionsOfTenant(
      String tenantId, String condition, Object... values) {
    return jdbc.prepareStatement(
        "SELECT "
            + VERSION_COLUMNS
            + " FROM resource_version v WHERE tenant_id = ? AND "
            + condition,
        statement -> {
          statement.setString(1, tenantId);
          for (int i = 0; i < values.length; i++) {
            statement.setObject(i + 2, values[i]);
          }
          return all(statement.executeQuery(), ResourceRepository::version);
        });
  }

  /** Every version of the tenant's resources of this kind with one of these names. */
  public List<NamedVersion> listVersionsByNames(
      String tenantId, ResourceKind kind, List<String> names) {
    if (names.isEmpty()) {
      return List.of();
    }
    return jdbc.prepareStatement(
        "SELECT r.name AS resource_name, "
            + VERSION_COLUMNS
            + """
             FROM resource r JOIN resource_version v ON v.resource_id = r.id
            WHERE r.tenant_id = ? AND r.kind = ? AND r.name = ANY (?)
            ORDER BY r.name, v.version
            """,
        statement -> {
          statement.setString(1, tenantId);
          statement.setString(2, kindColumn(kind));
          statement.setArray(3, statement.getConnection().createArrayOf("text", names.toArray()));
          return all(
              statement.executeQuery(),
              rows -> new NamedVersion(rows.getString("resource_name"), version(rows)));
        });
  }

  /** A version with its resource's name, as reference checks need both. */
  public record NamedVersion(String name, ResourceVersion version) {}

  /**
   * A version without its spec: enough to pick which version a reference means and to find its spec
   * in a cache ({@code revision} changes whenever the spec can have).
   */
  public record VersionHead(
      UUID resourceId,
      String name,
      int version,
      VersionStatus status,
      int revision,
      String specHash) {}

  /**
   * The heads of every version of the tenant's resources of this kind that match: by id when {@code
   * id} is given, else by the names.
   */
  public List<VersionHead> listVersionHeads(
      String tenantId, ResourceKind kind, UUID id, List<String> names) {
    return jdbc.prepareStatement(
        """
        SELECT r.id, r.name, v.version, v.status, v.revision, v.spec_hash
        FROM resource r JOIN resource_version v ON v.resource_id = r.id
        WHERE r.tenant_id = ? AND r.kind = ? AND (r.id = ? OR r.name = ANY (?))
        ORDER BY r.name, v.version
        """,
        statement -> {
          statement.setString(1, tenantId);
          statement.setString(2, kindColumn(kind));
          statement.setObject(3, id);
          statement.setArray(4, statement.getConnection().createArrayOf("text", names.toArray()));
          return all(
              statement.executeQuery(),
              rows ->
                  new VersionHead(
                      rows.getObject("id", UUID.class),
                      rows.getString("name"),
                      rows.getInt("version"),
                      VersionStatus.fromWire(rows.getString("status")).orElseThrow(),
                      rows.getInt("revision"),
                      rows.getString("spec_hash")));
        });
  }

  /** The version a pending review waits on, by the approval request's id. */
  public Optional<ResourceVersion> findVersionUnderReview(String tenantId, UUID approvalId) {
    return versionsOfTenant(tenantId, "review_approval_id = ?", approvalId).stream().findFirst();
  }

  public Optional<Resource> findResourceById(String tenantId, UUID id) {
    return resourceOfTenant(tenantId, "id = ?", id);
  }

  /** The tenant's resource that meets {@code condition}, whose {@code ?}s take {@code values}. */
  private Optional<Resource> resourceOfTenant(String tenantId, String condition, Object... values) {
    return jdbc.prepareStatement(
        "SELECT * FROM resource WHERE tenant_id = ? AND " + condition,
        statement -> {
          statement.setString(1, tenantId);
          for (int i = 0; i < values.length; i++) {
            statement.setObject(i + 2, values[i]);
          }
          return single(statement.executeQuery(), ResourceRepository::resource);
        });
  }

  static String kindColumn(ResourceKind kind) {
    return kind.name().toLowerCase(Locale.ROOT);
  }

  private static Timestamp timestamp(Instant instant) {
    return instant == null ? null : Timestamp.from(instant);
  }

  private static Instant instant(ResultSet rows, String column) throws SQLException {
    Timestamp value = rows.getTimestamp(column);
    return value == null ? null : value.toInstant();
  }

  private static Resource resource(ResultSet rows) throws SQLException {
    return new Resource(
        rows.getObject("id", UUID.class),
        rows.getString("tenant_id"),
        ResourceKind.valueOf(rows.getString("kind").toUpperCase(Locale.ROOT)),
        rows.getString("name"),
        rows.getString("created_by"),
        instant(rows, "created_at"),
        instant(rows, "archived_at"));
  }

  private static ResourceVersion version(ResultSet rows) throws SQLException {
    return new ResourceVersion(
        rows.getObject("resource_id", UUID.class),
        rows.getInt("version"),
        rows.getString("tenant_id"),
        VersionStatus.fromWire(rows.getString("status")).orElseThrow(),
        SpecJson.parse(rows.getString("spec")),
        rows.getString("spec_hash"),
        rows.getInt("revision"),
        (Integer) rows.getObject("cloned_from"),
        rows.getString("created_by"),
        instant(rows, "created_at"),
        rows.getString("updated_by"),
        instant(rows, "updated_at"),
        rows.getString("submitted_by"),
        instant(rows, "submitted_at"),
        rows.getString("promoted_by"),
        instant(rows, "promoted_at"),
        rows.getString("archived_by"),
        instant(rows, "archived_at"),
        rows.getObject("review_approval_id", UUID.class),
        rows.getString("review_reason"));
  }

  @FunctionalInterface
  private interface RowMapper<T> {
    T map(ResultSet rows) throws SQLException;
  }

  private static <T> Optional<T> single(ResultSet rows, RowMapper<T> mapper) throws SQLException {
    try (rows) {
      return rows.next() ? Optional.of(mapper.map(rows)) : Optional.empty();
    }
  }

  private static <T> List<T> all(ResultSet rows, RowMapper<T> mapper) throws SQLException {
    try (rows) {
      List<T> result = new ArrayList<>();
      while (rows.next()) {
        result.add(mapper.map(rows));
      }
      return result;
    }
  }
}
