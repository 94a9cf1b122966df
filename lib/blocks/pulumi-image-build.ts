/** Builds an image from the user's Dockerfile and pushes it to a construct's registry (Pulumi). */
import * as pulumi from '@pulumi/pulumi';
import * as docker from '@pulumi/docker';

export interface ImageBuild {
  /** Context folder as the user gave it (relative paths keep the stack portable between checkouts). */
  readonly contextPath: string;
  /** Dockerfile path relative to the context. */
  readonly dockerfilePath: string;
  readonly tag: string;
  readonly target?: string;
  readonly buildArgs: Readonly<Record<string, string>>;
}

export interface PushTarget {
  /** Repository the image goes to, without tag (`<registry>/<repo>`). */
  readonly repository: pulumi.Input<string>;
  /** Registry host to log in to. */
  readonly server: pulumi.Input<string>;
  readonly username?: pulumi.Input<string>;
  readonly password?: pulumi.Input<string>;
}

/** Builds for linux/amd64 (the clouds' training hosts), pushes, and returns the pushed `repo@sha256:` digest. */
export function buildAndPush(
  name: string,
  build: ImageBuild,
  target: PushTarget,
  opts: pulumi.CustomResourceOptions,
): pulumi.Output<string> {
  const image = new docker.Image(
    name,
    {
      imageName: pulumi.interpolate`${target.repository}:${build.tag}`,
      build: {
        context: build.contextPath,
        dockerfile: `${build.contextPath}/${build.dockerfilePath}`,
        platform: 'linux/amd64',
        target: build.target,
        args: { ...build.buildArgs },
      },
      registry: { server: target.server, username: target.username, password: target.password },
    },
    opts,
  );
  return image.repoDigest;
}
