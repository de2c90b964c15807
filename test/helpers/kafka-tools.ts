/**
 * Test helper: runs one of Kafka 3.9.1's command-line tools (kafka-topics, kafka-configs,
 * kafka-leader-election, kafka-reassign-partitions, ...) by its main class, from the jars that
 * test/java/admin-tools/pom.xml brings from Maven Central (`.ci/run` fetches them into
 * target/dependency). Never throws for a non-zero exit: tests assert on the code and the output.
 */
import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { AclOperation, AclPermissionType, type AclBinding, PatternType, ResourceType } from '../../src/security/acl.js'
import { ROOT } from './broker-process.js'

const run = promisify(execFile)
const TOOLS = join(ROOT, 'test', 'java', 'admin-tools')
const JARS = join(TOOLS, 'target', 'dependency')
/** Kafka 4.x's tools (test/java/admin-tools-4/pom.xml), on a classpath of their own. */
const TOOLS_4 = join(ROOT, 'test', 'java', 'admin-tools-4')
const JARS_4 = join(TOOLS_4, 'target', 'dependency')

export interface ToolResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export const KafkaTools = {
  topics: 'org.apache.kafka.tools.TopicCommand',
  configs: 'kafka.admin.ConfigCommand',
  cluster: 'org.apache.kafka.tools.ClusterTool',
  leaderElection: 'org.apache.kafka.tools.LeaderElectionCommand',
  reassignPartitions: 'org.apache.kafka.tools.reassign.ReassignPartitionsCommand',
  transactions: 'org.apache.kafka.tools.TransactionsCommand',
} as const

/**
 * ACLs for a broker's security.json that let ANONYMOUS (a PLAINTEXT listener, where kafka-acls
 * connects) administer the cluster (manage ACLs, create topics) and nothing more: how an operator
 * bootstraps Kafka's admin principal before any other ACL exists.
 */
export const ADMIN_ACLS: AclBinding[] = [AclOperation.ALTER, AclOperation.DESCRIBE, AclOperation.CREATE].map((operation) => ({
  resourceType: ResourceType.CLUSTER,
  resourceName: 'kafka-cluster',
  patternType: PatternType.LITERAL,
  principal: 'User:ANONYMOUS',
  host: '*',
  operation,
  permissionType: AclPermissionType.ALLOW,
}))

export function kafkaTool(mainClass: string, ...args: string[]): Promise<ToolResult> {
  return runTool(['-Dlog4j.configuration=file:' + join(TOOLS, 'log4j.properties'), '-cp', `${JARS}/*`, mainClass, ...args])
}

/** The same with Kafka 4.x's tools (see ensureKafkaTools4). */
export function kafkaTool4(mainClass: string, ...args: string[]): Promise<ToolResult> {
  return runTool(['-cp', `${JARS_4}/*`, mainClass, ...args])
}

async function runTool(javaArgs: string[]): Promise<ToolResult> {
  try {
    const { stdout, stderr } = await run('java', javaArgs, { timeout: 60_000 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' }
  }
}

/** Fetches Kafka 4.x's tools from Maven Central unless they are there already (`.ci/run` does it first). */
export async function ensureKafkaTools4(): Promise<void> {
  // kafka_2.13 (kafka-configs) joined the pom after kafka-tools: a copy without it is fetched again.
  if (existsSync(JARS_4) && readdirSync(JARS_4).some((name) => /^kafka_2\.13-4\./.test(name))) return
  await run('mvn', ['-q', '-B', '-f', join(TOOLS_4, 'pom.xml'), 'dependency:copy-dependencies'], { timeout: 280_000 })
}

/** Fetches the tools' jars from Maven Central unless they are there already (`.ci/run` does it first). */
export async function ensureKafkaTools(): Promise<void> {
  if (existsSync(join(JARS, 'kafka-tools-3.9.1.jar'))) return
  await run('mvn', ['-q', '-B', '-f', join(TOOLS, 'pom.xml'), 'dependency:copy-dependencies'], { timeout: 280_000 })
}
