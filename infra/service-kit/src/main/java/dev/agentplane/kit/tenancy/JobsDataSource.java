package dev.agentplane.kit.tenancy;

/**
 * The datasource of background jobs that work across tenants: the outbox relay, sweepers, expiry.
 * It logs in as the jobs role, which sees every tenant's rows but only of the tables the service
 * lists in {@code agentplane.db.jobs-tables}. Inject its beans with {@code @Named(NAME)}, or
 * annotate a repository with {@code @Repository(NAME)}.
 */
public final class JobsDataSource {

  public static final String NAME = "jobs";

  private JobsDataSource() {}
}
