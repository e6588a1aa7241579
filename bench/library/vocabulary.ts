// What the generated library is made of: a marketing team's tags, generation prompts and titles.
// Lists are ordered from common to rare: the generator draws from them with Zipf weights.

export const TAGS = [
  'product', 'social', 'instagram', 'lifestyle', 'campaign', 'summer', 'hero', 'banner', 'launch', 'brand',
  'portrait', 'ad', 'studio', 'linkedin', 'story', 'holiday', 'outdoor', 'minimal', 'sale', 'food',
  'fashion', 'reel', 'tiktok', 'website', 'newsletter', 'spring', 'autumn', 'winter', 'coffee', 'beauty',
  'tech', 'travel', 'fitness', 'team', 'event', 'thumbnail', 'youtube', 'landscape', 'flatlay', 'cinematic',
  'black-friday', 'christmas', 'skincare', 'sneakers', 'saas', 'wellness', 'pets', 'b2b', 'email', 'blog',
  'ugc', 'testimonial', 'office', 'webinar', 'podcast', 'infographic', 'logo', 'pattern', 'texture', 'background',
  '3d', 'illustration', 'watercolor', 'retro', 'neon', 'pastel', 'monochrome', 'vibrant', 'dark', 'aerial',
  'macro', 'closeup', 'packaging', 'mockup', 'unboxing', 'recipe', 'drinks', 'cocktail', 'bakery', 'restaurant',
  'real-estate', 'interior', 'architecture', 'city', 'nature', 'beach', 'mountains', 'forest', 'ocean', 'sunset',
  'night', 'rain', 'snow', 'flowers', 'plants', 'dog', 'cat', 'horse', 'bird', 'fox',
  'car', 'bike', 'motion', 'loop', 'teaser', 'trailer', 'behind-the-scenes', 'tutorial', 'how-to', 'faq',
  'announcement', 'hiring', 'culture', 'sustainability', 'eco', 'charity', 'q1', 'q2', 'q3', 'q4',
  'draft', 'approved', 'final', 'v2', 'a-b-test', 'variant-a', 'variant-b', 'carousel', 'square', 'vertical',
  'horizontal', 'print', 'poster', 'billboard', 'flyer', 'merch', 't-shirt', 'mug', 'jewelry', 'watches',
  'furniture', 'garden', 'kids', 'anime', 'pattern-library', 'seasonal', 'evergreen', 'partner', 'press', 'awards',
] as const;

export const STYLES = [
  'photorealistic', 'cinematic', 'minimalist', 'editorial', 'studio', 'bright', 'moody', 'vintage', 'dreamy', 'retro',
  'isometric', 'watercolor', 'neon-lit', 'pastel', 'high-contrast', 'documentary', 'futuristic', 'flat', 'glossy', 'hand-drawn',
] as const;

export const IMAGE_MEDIA = ['photo', 'portrait', 'close-up', 'illustration', 'render', 'poster', 'flat lay', 'wide shot', 'still', 'collage'] as const;
export const VIDEO_MEDIA = ['video', 'slow-motion video', 'drone footage', 'timelapse', 'looping animation', 'product spin'] as const;

export const SUBJECTS = [
  'a ceramic coffee cup', 'white sneakers', 'a young woman laughing', 'a city skyline', 'a golden retriever', 'a red fox',
  'a glass perfume bottle', 'a smartphone', 'a laptop', 'a leather backpack', 'a mountain cabin', 'a bowl of ramen',
  'a chef plating pasta', 'a team meeting', 'a vintage bicycle', 'a stack of pancakes', 'a lighthouse', 'an electric car',
  'a wristwatch', 'a potted monstera', 'a surfer', 'a cocktail glass', 'a wooden desk', 'a snowboarder', 'a croissant',
  'a yoga mat', 'headphones', 'a sailboat', 'a cup of matcha', 'a birthday cake', 'a tabby cat', 'a hummingbird',
] as const;

export const SETTINGS = [
  'on a white background', 'on a marble table', 'at golden hour', 'in a sunlit kitchen', 'in a busy street', 'on a sandy beach',
  'in a modern office', 'in a cozy cafe', 'in a pine forest', 'on a rooftop', 'in fresh snow', 'against a pastel backdrop',
  'in the rain', 'by a lake', 'in a neon alley', 'on a mountain ridge', 'in a flower field', 'underwater', 'in a desert', 'at night',
] as const;

export const LIGHTING = [
  'soft window light', 'studio softbox lighting', 'warm sunset light', 'dramatic rim light', 'overcast light', 'backlit',
  'blue hour', 'neon glow', 'candlelight', 'harsh midday sun',
] as const;

export const EXTRAS = [
  'shallow depth of field', 'highly detailed', '85mm lens', 'copy space on the left', 'bokeh', '4k', 'film grain',
  'top-down view', 'wide angle', 'rule of thirds', 'symmetrical composition', 'motion blur',
] as const;

export const IMAGE_MODELS = ['flux-1-dev', 'flux-1.1-pro', 'sdxl-1.0', 'imagen-4', 'ideogram-3'] as const;
export const VIDEO_MODELS = ['veo-3', 'kling-2.1', 'runway-gen4'] as const;

export const TITLE_ADJECTIVES = [
  'Summer', 'Launch', 'Hero', 'Cozy', 'Bold', 'Minimal', 'Weekend', 'Holiday', 'Spring', 'Morning',
  'Night', 'Fresh', 'Classic', 'Urban', 'Autumn', 'Winter', 'Golden', 'Quiet', 'Bright', 'Retro',
] as const;

export const TITLE_NOUNS = [
  'product banner', 'story cover', 'ad variant', 'landing hero', 'newsletter header', 'reel teaser', 'carousel slide',
  'sneaker hero', 'coffee moment', 'cabin retreat', 'team photo', 'fox portrait', 'beach day', 'city lights', 'recipe card',
  'launch teaser', 'brand moodboard', 'press visual', 'event poster', 'thumbnail',
] as const;

export const COLLECTION_NAMES = [
  'Product shots', 'Summer launch', 'Instagram grid', 'Holiday campaign', 'Brand refresh', 'Q3 ads', 'Website heroes',
  'Newsletter', 'Reels', 'LinkedIn', 'Black Friday', 'Team & culture', 'Moodboard', 'Approved', 'Drafts', 'Print',
  'Events', 'Partners', 'Spring collection', 'Evergreen', 'Recipes', 'Travel series', 'Testimonials', 'Favourites',
] as const;
