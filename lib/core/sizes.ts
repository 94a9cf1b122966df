/**
 * Portable compute sizes. A construct asks for `cpu-medium`; each cloud gets the concrete type below.
 * Every construct also takes an explicit per-cloud override (`aws.instanceType`, `gcp.cpu` + `gcp.memory`).
 */

export const COMPUTE_SIZES = ['cpu-small', 'cpu-medium', 'cpu-large', 'gpu-small', 'gpu-large'] as const;
export type ComputeSize = (typeof COMPUTE_SIZES)[number];

export interface SizeFacts {
  readonly vcpus: number;
  readonly memoryGiB: number;
  readonly gpus: number;
  readonly aws: {
    /** SageMaker hosting instance type. */
    readonly servingInstance: string;
    /** SageMaker training and processing instance type. */
    readonly trainingInstance: string;
    /**
     * The instance has local NVMe storage: SageMaker refuses a KMS key for its storage volume there
     * (the instance store is encrypted by the hardware).
     */
    readonly localNvme: boolean;
    /** Serverless inference memory for this size, in MB; undefined where serverless cannot serve it (GPU). */
    readonly serverlessMemoryMb?: number;
  };
  /** Cloud Run resources; undefined where Cloud Run has no such size (it runs at most one GPU). */
  readonly gcp?: {
    readonly cpu: string;
    readonly memory: string;
    readonly gpuType?: string;
    /** Vertex AI custom-job machine type for training. */
    readonly trainingMachine: string;
    readonly trainingAccelerator?: string;
  };
  readonly docker: { readonly cpus: number; readonly memoryMb: number };
}

export const SIZE_FACTS: Readonly<Record<ComputeSize, SizeFacts>> = {
  'cpu-small': {
    vcpus: 2,
    memoryGiB: 8,
    gpus: 0,
    aws: {
      servingInstance: 'ml.m5.large',
      trainingInstance: 'ml.m5.large',
      localNvme: false,
      serverlessMemoryMb: 2048,
    },
    gcp: { cpu: '2', memory: '8Gi', trainingMachine: 'n2-standard-2' },
    docker: { cpus: 2, memoryMb: 8192 },
  },
  'cpu-medium': {
    vcpus: 4,
    memoryGiB: 16,
    gpus: 0,
    aws: {
      servingInstance: 'ml.m5.xlarge',
      trainingInstance: 'ml.m5.xlarge',
      localNvme: false,
      serverlessMemoryMb: 4096,
    },
    gcp: { cpu: '4', memory: '16Gi', trainingMachine: 'n2-standard-4' },
    docker: { cpus: 4, memoryMb: 16384 },
  },
  'cpu-large': {
    vcpus: 8,
    memoryGiB: 32,
    gpus: 0,
    aws: {
      servingInstance: 'ml.m5.2xlarge',
      trainingInstance: 'ml.m5.2xlarge',
      localNvme: false,
      serverlessMemoryMb: 6144,
    },
    gcp: { cpu: '8', memory: '32Gi', trainingMachine: 'n2-standard-8' },
    docker: { cpus: 8, memoryMb: 32768 },
  },
  'gpu-small': {
    vcpus: 4,
    memoryGiB: 16,
    gpus: 1,
    aws: { servingInstance: 'ml.g5.xlarge', trainingInstance: 'ml.g5.xlarge', localNvme: true },
    gcp: {
      cpu: '4',
      memory: '16Gi',
      gpuType: 'nvidia-l4',
      trainingMachine: 'g2-standard-4',
      trainingAccelerator: 'NVIDIA_L4',
    },
    docker: { cpus: 4, memoryMb: 16384 },
  },
  'gpu-large': {
    vcpus: 48,
    memoryGiB: 192,
    gpus: 4,
    aws: { servingInstance: 'ml.g5.12xlarge', trainingInstance: 'ml.g5.12xlarge', localNvme: true },
    docker: { cpus: 48, memoryMb: 196608 },
  },
};

/** SageMaker instance families whose instances carry local NVMe storage (no KMS key on the volume). */
const NVME_FAMILIES =
  /^ml\.(g4dn|g5|g6|g6e|p3dn|p4d|p4de|p5|p5e|p5en|m5d|c5d|r5d|c6id|m6id|r6id|trn1|trn2)\./;

/** True when a SageMaker instance type has local NVMe storage. */
export function hasLocalNvme(instanceType: string): boolean {
  return NVME_FAMILIES.test(instanceType);
}

/** True when a SageMaker instance type has GPUs or other accelerators. */
export function isAcceleratedInstance(instanceType: string): boolean {
  return /^ml\.(g|p|inf|trn)\d/.test(instanceType);
}
