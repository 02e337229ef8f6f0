import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDataUrl } from '../../providers/shared/parse-data-url.ts';

test('a base64 data URL: media type (trimmed, lower case) and data, parameters dropped', () => {
  assert.deepEqual(parseDataUrl('data:image/png;base64,iVBORw0KGgo='), {
    mediaType: 'image/png',
    data: 'iVBORw0KGgo=',
  });
  assert.deepEqual(parseDataUrl('data:Image/JPEG;name=a.jpg;base64,/9j/'), { mediaType: 'image/jpeg', data: '/9j/' });
  assert.deepEqual(parseDataUrl('data: application/pdf ;base64,JVBERi0='), {
    mediaType: 'application/pdf',
    data: 'JVBERi0=',
  });
  assert.deepEqual(parseDataUrl('data:text/plain;base64,'), { mediaType: 'text/plain', data: '' });
  assert.deepEqual(parseDataUrl('data:text/plain;base64,a\nb'), { mediaType: 'text/plain', data: 'a\nb' });
});

test('anything else is not a base64 data URL', () => {
  for (const url of [
    'data:image/png,raw-bytes',
    'data:;base64,AAAA',
    'data:base64,AAAA',
    'https://example.com/a.png',
    '',
  ]) {
    assert.equal(parseDataUrl(url), undefined, url);
  }
});
