// `npm run cluster:image -- <name>`: builds one of the test bed's images (images.ts) into an OCI
// archive and prints, each on a line of its own, IMAGE=<ref> and ARCHIVE=<path>; progress goes
// to stderr, so `eval "$(npm run -s cluster:image -- demo)"` works in a shell.
import { buildBedImage, imageNames, type ImageName } from './images.ts';
import { importIntoRealBed } from './real/bed.ts';

const usage = `usage: npm run cluster:image -- <${imageNames.join('|')}>`;

function isImageName(name: string | undefined): name is ImageName {
  return imageNames.some((n) => n === name);
}

const [name, ...extra] = process.argv.slice(2);
if (!isImageName(name) || extra.length > 0) {
  const why =
    name === undefined
      ? 'which image?'
      : extra.length > 0
        ? `one image at a time (got ${[name, ...extra].join(' ')})`
        : `no image named "${name}"`;
  console.error(`${why}\n${usage}`);
  process.exit(2);
}
try {
  const image = await buildBedImage(name, (line) => {
    console.error(line);
  });
  if (
    await importIntoRealBed(image.archive, (line) => {
      console.error(line);
    })
  ) {
    console.error(`image: ${image.ref} imported into the running real bed`);
  }
  console.log(`IMAGE=${image.ref}`);
  console.log(`ARCHIVE=${image.archive}`);
} catch (error) {
  console.error(`cluster:image ${name}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
