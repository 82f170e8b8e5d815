package dev.agentplane.execution;

import dev.agentplane.testkit.RunnableServiceContract;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;

@MicronautTest(transactional = false)
class ExecutionServiceIT extends RunnableServiceContract {}
